# The UDP pinger lab's UDPPingerServer.py; usage: UDPPingerServer.py HOST PORT [SEED]
# We will need the following module to generate randomized lost packets
import random
import sys
from socket import *

if len(sys.argv) > 3:
    random.seed(int(sys.argv[3]))
# Create a UDP socket
# Notice the use of SOCK_DGRAM for UDP packets
serverSocket = socket(AF_INET, SOCK_DGRAM)
# Assign IP address and port number to socket
serverSocket.bind((sys.argv[1], int(sys.argv[2])))
while True:
    # Generate random number in the range of 0 to 10
    rand = random.randint(0, 10)
    # Receive the client packet along with the address it is coming from
    message, address = serverSocket.recvfrom(1024)
    # Capitalize the message from the client
    message = message.upper()
    # If rand is less is than 4, we consider the packet lost and do not respond
    if rand < 4:
        continue
    # Otherwise, the server responds
    serverSocket.sendto(message, address)
